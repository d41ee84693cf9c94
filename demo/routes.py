"""The sandbox's HTTP routes: server-rendered pages, plain form posts, a little JSON."""

from __future__ import annotations

import json
import mimetypes
import secrets
from collections.abc import Callable
from urllib.parse import parse_qsl, quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import ImmutableMultiDict
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from demo import people
from demo.sandbox import COOKIE, STATIC, Sandbox
from fakeslack import FakeSlack


def create_sandbox(fake: FakeSlack, *, bot_url: str, settle: Callable[[], None]) -> Starlette:
    box = Sandbox(fake, bot_url, settle)

    async def index(request: Request):
        return RedirectResponse(f"/c/{people.GENERAL_CHANNEL}", status_code=303)

    async def channel_page(request: Request):
        user, channel = box.person(request), request.path_params["channel"]
        info = fake.channels.get(channel)
        if info is None or user not in info["members"]:
            return RedirectResponse("/", status_code=303)
        thread = request.query_params.get("thread")
        return await run_in_threadpool(box.page, request, user, channel=channel, thread=thread)

    async def home_page(request: Request):
        user = box.person(request)
        if request.method == "POST":  # opening the tab is what sends app_home_opened
            await run_in_threadpool(box.act, user, lambda: fake.app_home_opened(user))
            return RedirectResponse("/home", status_code=303)
        return await run_in_threadpool(box.page, request, user, home=True)

    async def switch(request: Request):
        form = await _form(request)
        chosen = form.get("person", people.STAFF)
        response = RedirectResponse(_safe_back(form.get("back")), status_code=303)
        if chosen in fake.users:
            response.set_cookie(COOKIE, chosen, httponly=True, samesite="strict")
        return response

    async def send(request: Request):
        user, form = box.person(request), await _form(request)
        channel = form.get("channel", "")
        if channel in fake.channels and user in fake.channels[channel]["members"]:
            await run_in_threadpool(
                box.send, user, channel, form.get("text", ""), form.get("thread_ts")
            )
        return RedirectResponse(_safe_back(form.get("back")), status_code=303)

    async def shortcut(request: Request):
        user, form = box.person(request), await _form(request)

        def run():
            fake.message_shortcut(
                user, channel=form["channel"], ts=form["ts"], callback_id=form["callback_id"]
            )

        await run_in_threadpool(box.act, user, run)
        return RedirectResponse(_safe_back(form.get("back")), status_code=303)

    async def action(request: Request):
        user, form = box.person(request), await _form(request)
        back = _safe_back(form.get("back"))
        if form.get("confirm") == "1" and form.get("confirmed") != "1":
            token = secrets.token_urlsafe(8)
            box.confirms[token] = {
                "fields": [(k, v) for k, v in form.multi_items() if k != "confirm"],
                "dialog": json.loads(form.get("confirm_dialog") or "{}"),
            }
            glue = "&" if "?" in back else "?"
            return RedirectResponse(f"{back}{glue}confirm={token}", status_code=303)
        await run_in_threadpool(box.click, user, dict(form), form.getlist("value"))
        return RedirectResponse(back.split("confirm=")[0].rstrip("?&"), status_code=303)

    async def submit(request: Request):
        user, form = box.person(request), await _form(request)
        await run_in_threadpool(box.submit, user, form.get("view_id", ""), form)
        return RedirectResponse(_safe_back(form.get("back")), status_code=303)

    async def close(request: Request):
        user, form = box.person(request), await _form(request)

        def run():
            fake.close(user)

        await run_in_threadpool(box.act, user, run)
        return RedirectResponse(_safe_back(form.get("back")), status_code=303)

    async def suggest(request: Request):
        user, q = box.person(request), request.query_params
        found = await run_in_threadpool(
            box.suggest, user, q.get("view_id", ""), q.get("action_id", ""), q.get("q", "")
        )
        return JSONResponse(found)

    async def version(request: Request):
        return JSONResponse({"version": box.version(box.person(request))})

    async def file(request: Request):
        record = fake.file_store.get(request.path_params["file_id"])
        if record is None or record.get("content") is None:
            return Response("not found", status_code=404)
        kind = mimetypes.guess_type(record["name"])[0] or "application/octet-stream"
        headers = {}
        if not kind.startswith("image/"):
            headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(record['name'])}"
        return Response(record["content"], media_type=kind, headers=headers)

    routes = [
        Route("/", index),
        Route("/c/{channel}", channel_page),
        Route("/home", home_page, methods=["GET", "POST"]),
        Route("/person", switch, methods=["POST"]),
        Route("/send", send, methods=["POST"]),
        Route("/shortcut", shortcut, methods=["POST"]),
        Route("/action", action, methods=["POST"]),
        Route("/view/submit", submit, methods=["POST"]),
        Route("/view/close", close, methods=["POST"]),
        Route("/suggest", suggest),
        Route("/version", version),
        Route("/files/{file_id}", file),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.sandbox = box
    return app


async def _form(request: Request) -> ImmutableMultiDict:
    """The posted urlencoded form (the page posts no files, so no multipart parser is needed)."""
    body = (await request.body()).decode("utf-8", "replace")
    return ImmutableMultiDict(parse_qsl(body, keep_blank_values=True))


def _safe_back(back) -> str:
    """Only paths of this site (no open redirect)."""
    back = str(back or "/")
    return back if back.startswith("/") and not back.startswith("//") else "/"
