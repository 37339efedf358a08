# feeder/local.mk - rules for feeder/ (included by the top Makefile.am)
