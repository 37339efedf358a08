#include "testhelp.h"
int main(void) { return TEST_DONE("test_feed_reply"); }
