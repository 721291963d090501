// Small progressive enhancements. Everything works without this file.
