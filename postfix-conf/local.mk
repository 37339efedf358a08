# postfix-conf/local.mk - rules for postfix-conf/ (included by the top Makefile.am)
