# shellguard: what `xontrib load shellguard` does, without xonsh's entry-point scan
# and argument parser (about 30 ms of its start-up): the xontrib's own entry function.
__import__("xontrib.shellguard", fromlist=["_load_xontrib_"])._load_xontrib_(__xonsh__)
