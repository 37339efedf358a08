# bench/local.mk - rules for bench/ (included by the top Makefile.am)
