"""shellguard: classify shell command lines as READ, CREATE, UPDATE or DELETE before they run.

The library is the product; the CLI, the co-process, the shell scripts and the
agent hooks are skins over :func:`shellguard.classify.classify_command`.
"""

__version__ = "0.1.0"
