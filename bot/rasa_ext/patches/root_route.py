"""3. GET / says hello without the Rasa version (rasa.server.add_root_route).

(The request size limit, once half of this fix, is Sanic's own REQUEST_MAX_SIZE, set by
bot.rasa_ext.rasa_patched.)
"""

from __future__ import annotations

WHY = "Rasa's app builders (create_app, _create_app_without_api) always add this route, with no setting to leave it out"
PINS = {"rasa.server:add_root_route": "acc5f7c278af32f8"}

ROOT_TEXT = "Hello from the career bot"


def apply() -> None:
    import rasa.server
    from sanic import response

    original = rasa.server.add_root_route

    def add_root_route(app) -> None:
        @app.get("/")
        async def hello(_request):
            return response.text(ROOT_TEXT)

    add_root_route.__wrapped__ = original
    rasa.server.add_root_route = add_root_route
