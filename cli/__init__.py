"""The command line front end: `pinscope inspect`, `pinscope gui` and friends."""
