# suppress/local.mk - campaign-suppress (see issue: foundation)
