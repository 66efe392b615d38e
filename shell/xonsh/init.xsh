xontrib load shellguard
