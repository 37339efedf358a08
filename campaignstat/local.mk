# campaignstat/local.mk - rules for campaignstat/ (included by the top Makefile.am)
