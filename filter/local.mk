# filter/local.mk - rules for filter/ (included by the top Makefile.am)
