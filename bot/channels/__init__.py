"""Rasa input/output channels of the career bot (registered in credentials.yml)."""

import re

# A link as the bot's answers write it, "[title](url)"; each channel shows it its own way.
MARKDOWN_LINK = re.compile(r"\[([^\[\]]+)\]\((https?://[^\s()]+|mailto:[^\s()]+)\)")
