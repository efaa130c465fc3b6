"""Every sentence the Slack app says on its own, in English and Chinese."""

from __future__ import annotations

TEXT: dict[str, dict[str, str]] = {
    "thinking": {"en": "is thinking…", "zh": "正在思考…"},
    "loading": {"en": "Searching the docs and CRM…|Checking the answer…", "zh": "正在查阅资料和 CRM…|正在核对答案…"},
    "unknown_user": {
        "en": "Sorry, I only work with the sales team, and your Slack account isn't linked to a rep profile. "
              "Ask an admin to add your Slack user id to your rep record.",
        "zh": "抱歉，我只为销售团队服务，您的 Slack 账号还没有关联到销售代表档案。请联系管理员把您的 Slack 用户 ID 加到您的档案中。",
    },
    "too_long": {"en": "That message is {n} characters; the limit is {limit}. Please shorten it.",
                 "zh": "这条消息有 {n} 个字符，上限是 {limit}，请精简后再发。"},
    "duplicate": {"en": "I already have that message.", "zh": "这条消息我已经收到了。"},
    "failed": {"en": "Sorry, something went wrong while answering. Please try again in a moment.",
               "zh": "抱歉，回答时出了问题，请稍后再试。"},
    "busy": {"en": "Sorry, another answer in this conversation took too long, so I couldn't answer this message. "
                    "Please send it again.",
             "zh": "抱歉，这个会话中的上一个回答耗时过长，我没能回复这条消息，请重新发送。"},
    "sources": {"en": "Sources", "zh": "来源"},
    "greeting": {"en": "Hi {name}! Ask me about a customer or deal, or have me draft a follow-up.",
                 "zh": "{name}，您好！可以问我客户或商机的情况，也可以让我起草跟进消息。"},
    "prompts_title": {"en": "Try one of these:", "zh": "试试这些："},
    "working_dm": {"en": "On it — I'll answer in our direct messages.", "zh": "收到，我会在私信里回复您。"},
    "private_note": {"en": "(only you can see this)", "zh": "（仅您可见）"},
}

PROMPTS: dict[str, list[tuple[str, str]]] = {
    "en": [("Who is this customer?", "Give me the 360 view of Northwind Robotics: contacts, deals, cases."),
           ("Pricing objection", "Draft a follow-up for a customer who says the Pro edition is too expensive."),
           ("Similar won deals", "What did similar won deals in robotics do to close?"),
           ("SSO question", "Does the Enterprise edition support SSO and SCIM?")],
    "zh": [("这个客户是谁？", "给我看一下杭州云帆物流的 360 视图：联系人、商机、工单。"),
           ("价格异议", "客户觉得专业版太贵，帮我起草一条跟进消息。"),
           ("类似的赢单", "物流行业类似的赢单是怎么成交的？"),
           ("单点登录", "企业版支持 SSO 和 SCIM 吗？")],
}

HELP = {
    "en": "*`/sales` commands*\n"
          "• `/sales 360 <account>` — the account's 360 view, in our DM\n"
          "• `/sales draft <situation>` — a draft message for a customer situation\n"
          "• `/sales lead <text>` — create a lead from free text and route it\n"
          "• `/sales queue` — my pending reviews\n"
          "• `/sales help` — this help (`/sales help zh` 中文)",
    "zh": "*`/sales` 命令*\n"
          "• `/sales 360 <客户名>` — 客户 360 视图（在私信中回复）\n"
          "• `/sales draft <情况>` — 针对客户情况起草消息\n"
          "• `/sales lead <描述>` — 根据描述创建线索并分配\n"
          "• `/sales queue` — 我待审核的内容\n"
          "• `/sales help` — 显示帮助（`/sales help en` for English）",
}

COMMANDS = {
    "unknown": {"en": "I don't know `{word}`.", "zh": "不认识的命令 `{word}`。"},
    "needs_arg": {"en": "`/sales {word}` needs some text after it.", "zh": "`/sales {word}` 后面需要跟内容。"},
    "no_leads": {"en": "Lead capture isn't connected in this installation yet.", "zh": "本系统还没有接入线索创建功能。"},
    "lead_made": {"en": "Lead {lead_id} created{routed}.", "zh": "已创建线索 {lead_id}{routed}。"},
    "routed": {"en": " and routed to {rep}", "zh": "，已分配给 {rep}"},
    "unrouted": {"en": " (not routed: {why})", "zh": "（未分配：{why}）"},
    "lead_failed": {"en": "Couldn't create the lead: {why}", "zh": "创建线索失败：{why}"},
    "queue_empty": {"en": "No reviews waiting for you.", "zh": "没有等您审核的内容。"},
    "queue_head": {"en": "*{n} pending review(s)*", "zh": "*{n} 条待审核*"},
    "360_root": {"en": "360 view: {q}", "zh": "360 视图：{q}"},
    "draft_root": {"en": "Draft for: {q}", "zh": "起草：{q}"},
    "360_ask": {"en": "Give me the 360 view of the account \"{q}\": contacts, open deals, recent activity, cases, "
                      "and the next best step.",
                "zh": "给我客户“{q}”的 360 视图：联系人、进行中的商机、最近的活动、工单，以及下一步建议。"},
    "draft_ask": {"en": "Draft a message I can send to the customer for this situation: {q}",
                  "zh": "针对这个情况，帮我起草一条可以发给客户的消息：{q}"},
}


def t(key: str, lang: str, **values: object) -> str:
    table = TEXT.get(key) or COMMANDS[key]
    return table["zh" if lang == "zh" else "en"].format(**values)
