# milter/local.mk - rules for milter/ (included by the top Makefile.am)
