"""The Discord bot and the command-line interface: thin layers over the `index` library."""
