# syslog/local.mk - rules for syslog/ (included by the top Makefile.am)
