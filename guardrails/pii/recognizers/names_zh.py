"""Chinese person names: a surname (single or compound) plus one or two given-name characters, accepted
when the evidence says name: context before it (我叫, 联系人：, 财务…), a title or a boundary after it
(经理, 收, ，), or jieba tagging it `nr`; and rejected when it is an ordinary dictionary word (谢谢, 方便).
Surname + title (王总, 李经理) identifies no one on its own and is not flagged."""

from __future__ import annotations

import re

from guardrails.pii.recognizers.base import Found, RuleRecognizer
from guardrails.pii.recognizers.surnames import COMPOUND, FUNCTION_CHARS, GIVEN_CHARS, SINGLE, is_title

STRONG_BEFORE = re.compile(r"(?:我叫|我是|叫我|本人|姓名|名字|联系人|收件人|收货人|负责人|对接人|经办人|持卡人|开户名|户名|签收人|"
                           r"申请人|法人代表|法定代表人|全名)(?:是|为|叫)?[：:\s]{0,2}$")
WEAK_BEFORE = re.compile(r"(?:联系|找|转告|告诉|通知|抄送|交给|寄给|发给|开给|麻烦|财务|采购|同事|老板|客户|领导|助理|总监|经理|主管|"
                         r"负责人|和|与|跟|及|、|是|给|请|让|问|CEO|CTO|CFO|IT|[：:，,。！？!?\s(（]|^)$")
AFTER = re.compile(r"(?:$|[，。！？、；：,.!?;:\s)）]|的|说|收|签收|经理|总监|老师|先生|女士|小姐|律师|博士|会|将|已|也|让|和|与|来|"
                   r"去|在|负责|同事|他|她|手机|电话|邮箱|微信|这边|这里|here|will|has|is)")
ORG_AFTER = re.compile(r"^(?:物流|科技|公司|集团|电商|银行|网络|信息|股份|有限|软件|贸易|实业|传媒|教育|医疗|智能|数据|电子|咨询|"
                       r"控股|商贸|汽车|电器|食品|制药|证券|保险|基金|地产|置业|工业|机械|材料|能源|航空|酒店|餐饮|文化|"
                       r"体育|设计|工作室|事务所|研究院|大学|学院|中学|小学|医院|路|街|区|市|省|县|镇|村|大道|广场|大厦)")
HAN = re.compile(r"[\u4e00-\u9fff]")


def _dictionary():  # noqa: ANN202 - (word -> frequency, word -> POS flag) from jieba's loaded dictionary
    import jieba
    import jieba.posseg

    return jieba.dt.FREQ, jieba.posseg.dt.word_tag_tab


class ChineseNameRule(RuleRecognizer):
    ENTITY = "PERSON"
    LANGUAGE = "zh"

    def find(self, text: str, nlp_artifacts) -> list[Found]:  # noqa: ANN001
        doc = getattr(nlp_artifacts, "tokens", None)
        nr_spans = {(t.idx, t.idx + len(t.text)) for t in doc if t.tag_.startswith("nr")} if doc is not None else set()
        nr_starts = {a for a, _ in nr_spans}
        freq, tags = _dictionary()
        found: list[Found] = []
        i, n = 0, len(text)
        while i < n:
            hit = self._name_at(text, i, nr_spans, nr_starts, freq, tags)
            if hit:
                found.append(hit)
                i = hit[1]
            else:
                i += 1
        return found

    def _name_at(self, text, i, nr_spans, nr_starts, freq, tags) -> Found | None:  # noqa: ANN001
        if i >= len(text):
            return None
        s = 2 if text[i:i + 2] in COMPOUND else 1 if text[i] in SINGLE else 0
        if not s or (i and text[i - 1] in SINGLE and text[i - 1:i + 1] not in COMPOUND and i - 1 in nr_starts):
            return None
        if text[i] in FUNCTION_CHARS and s == 1 and self._name_at(text, i + 1, nr_spans, nr_starts, freq, tags):
            return None  # 和王伟: the name starts at 王
        before = text[max(0, i - 8):i]
        strong = STRONG_BEFORE.search(before) is not None
        weak = strong or WEAK_BEFORE.search(before) is not None
        for g in (2, 1):
            end = i + s + g
            given = text[i + s:end]
            if len(given) < g or not all(HAN.match(c) for c in given) or is_title(given):
                continue
            name = text[i:end]
            if ORG_AFTER.match(text[end:end + 4]):
                continue
            after = AFTER.match(text[end:end + 3]) is not None
            tagged = (i, end) in nr_spans or (i in nr_starts and (i, i + s) in nr_spans)
            if strong and given[0] not in "的是在了和与":
                if g == 1 or after or given[1] in GIVEN_CHARS:
                    return i, end, 0.85
                continue
            if not all(c in GIVEN_CHARS for c in given) or self._is_word(name, s, freq, tags):
                continue
            if (tagged or weak) and after or tagged and weak or is_title(text[end:end + 2]):
                return i, end, 0.75
        return None

    @staticmethod
    def _is_word(name: str, s: int, freq, tags) -> bool:  # noqa: ANN001
        """An ordinary word: in jieba's dictionary and not a person's name there, or very frequent."""
        f, tag = freq.get(name, 0), tags.get(name, "")
        if f and (not tag.startswith("nr") and f >= 3 or f >= 800):
            return True
        if len(name) > s + 1:  # 高兴地…: the surname and the first given character already make a common word
            f, tag = freq.get(name[:s + 1], 0), tags.get(name[:s + 1], "")
            return not tag.startswith("nr") and f >= 1000
        return False
