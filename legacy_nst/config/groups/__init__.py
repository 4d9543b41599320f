"""The options by --help group: one frozen dataclass of fields per group, composed into config.options.Config."""
