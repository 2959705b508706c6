/* test_proxy_cache_store.c */
