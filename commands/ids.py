"""Every command, callback_id, action_id and block_id in one place (manifest.yml uses the same)."""

COMMAND = "/behov"

# Shortcuts and views (callback_id)
REGISTER_SHORTCUT = "register_need"
REGISTER_VIEW = "register_need_form"
DONE_VIEW = "register_need_done"

# Input blocks of the registration form: the block_id names the field.
TITLE = "title"
DESCRIPTION = "description"
ORIGIN = "origin"
AREA = "area"
TARGET_GROUPS = "target_groups"
LEVEL = "level"
ORGANISATION = "organisation"
SIMILAR = "similar"

# Actions (action_id)
ORGANISATION_SEARCH = "organisation_search"
OPEN_NEED = "open_need"
STATUS_PICK = "status_pick"
DETAILS = "need_details"  # button whose value is a need's number: opens its details view


def input_action(block_id: str) -> str:
    """The action_id of the one element inside an input block."""
    return f"{block_id}_input"


# Shared between features (one owner implements the handler, others only render the button).
OPEN_VOTE = "vote_open"  # admins: open a VVG vote on the need (value = need number)
FOLLOW = "need_follow"  # value = need number
UNFOLLOW = "need_unfollow"  # value = need number
HIDE_PUBLIC = "need_hide_public"  # admins: hide from / show on the public page

# The details view of a need and the phase actions (issue 3). Buttons carry the need's number.
DETAILS_VIEW = "need_details_view"
DETAILS_BUTTONS = "need_details_buttons"
DETAILS_NEWER = "need_details_newer"  # value "<number>:<offset>": a page of newer history
DETAILS_OLDER = "need_details_older"  # value "<number>:<offset>": a page of older history
TAKE_UP = "need_take_up"
ASSESS = "need_assess"
DECIDE = "need_decide"
MISSION = "need_mission"
START = "need_start"
COMPLETE = "need_complete"
REPORT = "need_report"  # the process leader (or an admin) hands in a report of the timetable
WITHDRAW = "need_withdraw"
EDIT = "need_edit"
DUPLICATE = "need_duplicate"
# Forms opened from the details view (callback_id); their private_metadata is {"n": number,
# "v": the details view's id to refresh, "a": the action}.
CONFIRM_VIEW = "need_confirm_form"  # take up, start execution, withdraw: with a comment
ASSESS_VIEW = "need_assess_form"
DECIDE_VIEW = "need_decide_form"
MISSION_VIEW = "need_mission_form"
COMPLETE_VIEW = "need_complete_form"
REPORT_VIEW = "need_report_form"
REPORT_MILESTONE = "need_report_milestone"
REPORT_URL = "need_report_url"
EDIT_VIEW = "need_edit_form"
DUPLICATE_VIEW = "need_duplicate_form"
NOTICE_VIEW = "need_notice"
# Input blocks of those forms (block_id names the field; the element is input_action(block_id)).
COMMENT = "comment"
RELEVANT = "relevant"
PERSON_CENTRED = "person_centred"
TRUST = "trust"
DECISION = "decision"
REASON = "reason"
MISSION_DESCRIPTION = "description"
PURPOSE_GOALS = "purpose_goals"
DELIMITATIONS = "delimitations"
GROUP_COMPOSITION = "group_composition"
TIME_NEEDED = "time_needed"
PROCESS_LEADER = "process_leader"
WORKING_GROUP = "working_group"
EXTERNAL_MEMBERS = "external_members"
RESOURCING = "resourcing"
MISSION_FLAGS = "mission_flags"  # checkboxes: state_grant, inform_sro
TIMETABLE = "timetable"
FINAL_REPORT_DATE = "final_report_date"
FINAL_REPORT_URL = "final_report_url"
VVG_POSITION = "vvg_position"
SRO_POSITION = "sro_position"
PRODUCT_URL = "product_url"
ORIGINAL = "original"  # the need a duplicate is merged into

# Hiding a need from the public page: the reason modal, its input, and the notice after it.
HIDE_PUBLIC_VIEW = "need_hide_public_form"
HIDE_PUBLIC_DONE = "need_hide_public_done"
HIDE_REASON = "hide_reason"

# Lists, search and the App Home. Navigation buttons carry their state (small JSON) in the
# value; their action_id is `<prefix>:<what>` so several can share one actions block.
LIST_PAGE = "list_page"  # prefix: /behov lista and /behov sök, previous/next page
HOME_NAV = "home_nav"  # prefix: App Home, another phase tab or page
HOME_REGISTER = "home_register"  # App Home: open the registration form
HOME_MATRIX = "home_matrix"  # App Home: the Eisenhower matrix, sent as a direct message


def nav_action(prefix: str, what: str) -> str:
    """The action_id of one navigation button; handlers match the prefix."""
    return f"{prefix}:{what}"


# Votes (the vote message in the voting channel and the reason form)
VOTE_CAST = {  # quadrant -> action_id of its button (value = vote id)
    "gor_nu": "vote_cast_gor_nu",
    "planera": "vote_cast_planera",
    "delegera": "vote_cast_delegera",
    "avvakta": "vote_cast_avvakta",
}
VOTE_CHOICES_BLOCK = "vote_choices"
VOTE_TOOLS_BLOCK = "vote_tools"
VOTE_REASON = "vote_reason"  # opens the reason form (value = vote id)
VOTE_REASON_VIEW = "vote_reason_form"
VOTE_REASON_INPUT = "vote_reason_text"  # block_id of the reason input
VOTE_CLOSE = "vote_close"  # admins: close the vote early (value = vote id)
