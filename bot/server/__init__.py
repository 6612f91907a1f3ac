"""Server plumbing around the answering core: the launcher that starts and supervises the
action server and Rasa, and the entry point that patches Rasa 3.6 before it starts."""
