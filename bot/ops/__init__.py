"""The processes: the launcher (make run, make shell) that starts and supervises the action
server and the Rasa server, their entry points, `make cluster`, and the services
(PostgreSQL, Redis, HAProxy) it runs as children."""
