"""Modals from the person's side: submitting, closing and typing into external selects."""

from __future__ import annotations

from fakeslack import forms
from fakeslack.blockkit import check_view
from fakeslack.forms import UserActionError
from fakeslack.objects import Checker
from fakeslack.platform import Result
from fakeslack.webapi import fill_ids, public


class Modals:
    """Mixed into FakeSlack next to Platform, whose request helpers it uses."""

    def submit(self, user, values=None, *, view_id=None, keep_open=False) -> Result:
        """The person fills in `values` (block_id -> value) and presses the submit button.

        Inputs not in `values` keep what they show (their initial value, else empty).
        `keep_open=True` ignores the ack's effect (the modal stays as it was), as when the
        person clicks submit twice before Slack has acted on the first answer.
        """
        with self.lock:
            view = self._view_for(user, view_id)
            if view["type"] != "modal" or not view.get("submit"):
                raise UserActionError(f"view {view['id']} has no submit button")
            shown = public(view)
            shown["state"] = forms.view_state(view, values)
        payload = self._envelope(
            "view_submission",
            user,
            trigger_id=self.new_trigger(user),
            view=shown,
            response_urls=self._submission_response_urls(user, view, shown["state"]),
        )
        result = self._send_payload(payload)
        if result.status == 200:
            with self.lock:
                self._apply_view_ack(user, view["id"], result, keep_open)
        return result

    def _submission_response_urls(self, user: str, view: dict, state: dict) -> list[dict]:
        """response_urls for conversation pickers with response_url_enabled, as Slack adds."""
        urls = []
        for block in view["blocks"]:
            element = block.get("element") or {}
            if block.get("type") != "input" or not element.get("response_url_enabled"):
                continue
            picked = state["values"][block["block_id"]][element["action_id"]]
            channel = picked.get("selected_conversation") or picked.get("selected_channel")
            if channel:
                url = self.new_response_url(self.base_url, user=user, channel=channel)
                urls.append(
                    {
                        "block_id": block["block_id"],
                        "action_id": element["action_id"],
                        "channel_id": channel,
                        "response_url": url,
                    }
                )
        return urls

    def _apply_view_ack(self, user: str, view_id: str, result: Result, keep_open: bool) -> None:
        """Close, show errors, update, push or clear as the ack says (checked like Slack)."""
        body = result.json if isinstance(result.json, dict) else {}
        if result.body.strip() and not isinstance(result.json, dict):
            self.problem(f"view_submission ack is not JSON: {result.text[:200]}")
            return
        stack = self.stacks.get(user) or []
        index = next((i for i, v in enumerate(stack) if v["id"] == view_id), None)
        if index is None:
            return
        action = body.get("response_action")
        if keep_open:
            if action in ("update", "push") and check_view(body.get("view")):
                self.problem(f"view_submission {action}: invalid view {check_view(body['view'])}")
            return
        if action == "errors":
            self._show_errors(stack[index], body.get("errors"))
        elif action in ("update", "push"):
            view = body.get("view")
            errors = check_view(view) or ([] if view["type"] == "modal" else ["view.type: modal"])
            if errors:
                self.problem(f"view_submission {action}: invalid view {errors}")
            elif action == "update":
                view = dict(view, blocks=fill_ids(view["blocks"], self))
                stored = self.new_view(
                    view, view_id=view_id, previous=stack[index]["previous_view_id"]
                )
                stored["root_view_id"] = stack[index]["root_view_id"]
                stack[index] = stored
            elif len(stack) >= 3:
                self.problem("view_submission push: more than 3 views in the stack")
            else:
                view = dict(view, blocks=fill_ids(view["blocks"], self))
                pushed = self.new_view(view, previous=stack[-1]["id"])
                pushed["root_view_id"] = stack[0]["id"]
                stack.append(pushed)
        elif action == "clear":
            stack.clear()
        elif action is not None:
            self.problem(f"view_submission: unknown response_action {action!r}")
        else:
            del stack[index:]

    def _show_errors(self, view: dict, errors) -> None:
        inputs = {b["block_id"] for b in view["blocks"] if b.get("type") == "input"}
        if not isinstance(errors, dict) or not errors:
            self.problem("view_submission errors: `errors` must be a non-empty object")
            return
        for block_id, message in errors.items():
            if block_id not in inputs:
                self.problem(f"view_submission errors: {block_id!r} is not an input block")
            if not isinstance(message, str) or not message:
                self.problem(f"view_submission errors: message for {block_id!r} is empty")
        view["errors"] = dict(errors)

    def close(self, user) -> Result | None:
        """The person closes the top modal; view_closed is sent if it asked for notify_on_close."""
        with self.lock:
            stack = self.stacks.get(user) or []
            if not stack:
                raise UserActionError(f"{user} has no modal open")
            view = stack.pop()
        if not view.get("notify_on_close"):
            return None
        payload = self._envelope("view_closed", user, view=public(view), is_cleared=False)
        return self._send_payload(payload)

    def suggest(self, user, action_id, value, *, view_id=None) -> list:
        """The person types `value` into an external select; the options the app answered."""
        with self.lock:
            view = self._view_for(user, view_id)
            found = [
                (b, e)
                for b in view["blocks"]
                for e in [b.get("element"), b.get("accessory"), *(b.get("elements") or [])]
                if isinstance(e, dict)
                and e.get("action_id") == action_id
                and e.get("type", "").endswith("external_select")
            ]
            if not found:
                raise UserActionError(f"{user} sees no external select {action_id!r}")
            block, element = found[0]
            if len(value) < element.get("min_query_length", 3):
                raise UserActionError("Slack sends no query shorter than min_query_length")
            shown = public(view)
            shown["state"] = forms.view_state(view)
        payload = self._envelope(
            "block_suggestion",
            user,
            view=shown,
            container={"type": "view", "view_id": view["id"]},
            action_id=action_id,
            block_id=block["block_id"],
            value=value,
        )
        result = self._send_payload(payload)
        body = result.json if isinstance(result.json, dict) else {}
        self._check_suggestions(body)
        return body.get("options") or body.get("option_groups") or []

    def _check_suggestions(self, body: dict) -> None:
        c = Checker()
        if "option_groups" in body:
            for g, group in enumerate(c.array("option_groups", body["option_groups"], 100)):
                c.text(f"option_groups[{g}].label", group.get("label"), 75, plain=True)
                options = c.array(f"option_groups[{g}].options", group.get("options"), 100)
                for i, option in enumerate(options):
                    c.option(f"option_groups[{g}].options[{i}]", option)
        else:
            for i, option in enumerate(c.array("options", body.get("options"), 100)):
                c.option(f"options[{i}]", option)
        if c.errors:
            self.problem(f"block_suggestion answer: {c.errors}")
