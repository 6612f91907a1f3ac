"""Where the conversations are: the tracker database (SQLite or PostgreSQL, Rasa's events
table read and written without Rasa), the retention sweeps, `make forget` and the move from
SQLite to PostgreSQL, and the bot's own secret keys (keys.py)."""
