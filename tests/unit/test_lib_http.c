/* test_lib_http.c (being written). */
#include "unit.h"
