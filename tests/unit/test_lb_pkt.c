/* test_lb_pkt.c */
#include "unit.h"
static CU_TestInfo tests[] = { CU_TEST_INFO_NULL };
UNIT_SUITE(s_test_lb_pkt, "test_lb_pkt", tests)
