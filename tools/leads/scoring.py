"""Explainable lead scoring: a logistic model over a few named features, so every score comes with each
feature's value, its weight, and the reasons that moved it most.

When the store holds enough closed deals (both won and lost), the weights of the features that history
can tell us about are fitted on it (L2-regularised logistic regression in numpy); the BANT features,
which old deals do not record, keep their rule weights. Otherwise every weight is a rule weight. The
result says which was used.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# name → (rule weight, words for the reason, fittable from deal history)
FEATURES: dict[str, tuple[float, dict[str, str], bool]] = {
    "deal_size": (0.6, {"en": "deal size", "zh": "预估金额"}, True),
    "company_size": (0.5, {"en": "company size", "zh": "公司规模"}, True),
    "key_tier": (0.5, {"en": "enterprise or mid-market account", "zh": "企业/中型客户"}, True),
    "existing_customer": (0.9, {"en": "already a customer", "zh": "已是现有客户"}, True),
    "engagement": (0.4, {"en": "recent engagement", "zh": "近期互动"}, True),
    "budget_known": (0.8, {"en": "budget stated", "zh": "已明确预算"}, False),
    "decision_maker": (0.9, {"en": "talking to the decision maker", "zh": "对方是决策人"}, False),
    "need_stated": (0.7, {"en": "clear need", "zh": "需求明确"}, False),
    "timeline_known": (0.6, {"en": "has a timeline", "zh": "有明确时间表"}, False),
}
RULE_BIAS = -2.2
MIN_DEALS = 20


def _log_scale(value: float, top: float) -> float:
    """0 at 0, 1 at `top`, capped: money and headcount matter by order of magnitude."""
    return min(1.0, math.log10(1 + max(0.0, value)) / math.log10(1 + top)) if value else 0.0


def features_of(*, value: float, employees: int, tier: str, prior_won: int, activities: int,
                bant: Mapping[str, Any] | None = None) -> dict[str, float]:
    bant = bant or {}
    authority = str(bant.get("authority") or "")
    return {
        "deal_size": _log_scale(value, 1_000_000),
        "company_size": _log_scale(employees, 50_000),
        "key_tier": 1.0 if tier in ("enterprise", "mid") else 0.0,
        "existing_customer": 1.0 if prior_won > 0 else 0.0,
        "engagement": min(1.0, activities / 5),
        "budget_known": 1.0 if bant.get("budget") is not None else 0.0,
        "decision_maker": 1.0 if authority == "decision maker" else (0.3 if authority else 0.0),
        "need_stated": 1.0 if bant.get("need") else 0.0,
        "timeline_known": 1.0 if bant.get("timeline") else 0.0,
    }


def fit_logistic(x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, steps: int = 2000,
                 lr: float = 0.5) -> tuple[np.ndarray, float]:
    """Weights and bias by gradient descent on the mean log-loss plus an L2 penalty on the weights."""
    w = np.zeros(x.shape[1])
    b = 0.0
    n = len(y)
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        grad_w = x.T @ (p - y) / n + l2 * w / n
        grad_b = float(np.mean(p - y))
        w -= lr * grad_w
        b -= lr * grad_b
    return w, b


@dataclass(frozen=True)
class Score:
    score: float  # 0–100
    method: str  # "fitted" or "rules"
    features: list[dict[str, Any]]  # name, value, weight, contribution, source
    reasons: list[str]  # the top reasons, in the asked-for language
    trained_on: dict[str, int] | None = None  # won / lost counts when fitted

    def as_dict(self) -> dict[str, Any]:
        return {"score": self.score, "method": self.method, "features": self.features, "reasons": self.reasons,
                "trained_on": self.trained_on}


class LeadScorer:
    """Scores leads from a store's history. `history()` returns closed deals with their account (the
    shape of `CrmStore.closed_deals`); the fit is cached until the history's size changes."""

    def __init__(self, history: Callable[[], Sequence[Mapping[str, Any]]], *, min_deals: int = MIN_DEALS):
        self.history = history
        self.min_deals = min_deals
        self._cache: tuple[tuple[int, int], dict[str, float], float, frozenset[str]] | None = None

    def weights(self) -> tuple[dict[str, float], float, frozenset[str], dict[str, int] | None]:
        """(weights, bias, the features whose weight was fitted, won/lost counts when fitted)."""
        rules = {name: spec[0] for name, spec in FEATURES.items()}
        deals = list(self.history())
        won = sum(d["stage"] == "won" for d in deals)
        lost = sum(d["stage"] == "lost" for d in deals)
        if won + lost < self.min_deals or not won or not lost:
            return rules, RULE_BIAS, frozenset(), None
        if self._cache is None or self._cache[0] != (won, lost):
            self._cache = ((won, lost), *self._fit(deals, rules))
        _, weights, bias, fitted = self._cache
        return weights, bias, fitted, {"won": won, "lost": lost}

    @staticmethod
    def _fit(deals: Sequence[Mapping[str, Any]],
             rules: dict[str, float]) -> tuple[dict[str, float], float, frozenset[str]]:
        candidates = [n for n, spec in FEATURES.items() if spec[2]]
        rows, labels, won_before = [], [], {}
        for deal in deals:  # oldest first: "already a customer" means a win before this deal closed
            account = deal.get("account") or {}
            feats = features_of(value=float(deal.get("amount") or 0), employees=int(account.get("employees") or 0),
                                tier=str(account.get("tier") or ""), prior_won=won_before.get(deal["account_id"], 0),
                                activities=int(deal.get("activities") or 0))
            rows.append([feats[n] for n in candidates])
            labels.append(1.0 if deal["stage"] == "won" else 0.0)
            if deal["stage"] == "won":
                won_before[deal["account_id"]] = won_before.get(deal["account_id"], 0) + 1
        x = np.array(rows)
        # a feature that never varies in the history teaches nothing: it keeps its rule weight
        varies = [i for i in range(x.shape[1]) if np.ptp(x[:, i]) > 0]
        fitted = [candidates[i] for i in varies]
        weights = dict(rules)
        b = 0.0
        if varies:
            w, b = fit_logistic(x[:, varies], np.array(labels))
            weights.update({n: round(float(v), 4) for n, v in zip(fitted, w, strict=True)})
        # the fitted intercept describes deals; the rule-weighted features add on top of it, centred so a
        # lead that is average on them (half known) is pushed neither up nor down
        bias = float(b) - 0.5 * sum(rules[n] for n in FEATURES if n not in fitted)
        return weights, bias, frozenset(fitted)

    def score(self, feats: Mapping[str, float], language: str = "en", top: int = 3) -> Score:
        weights, bias, fitted, trained = self.weights()
        method = "fitted" if trained else "rules"
        rows = []
        for name, (_, words, _fittable) in FEATURES.items():
            value = float(feats.get(name, 0.0))
            rows.append({"name": name, "label": words["zh" if language == "zh" else "en"], "value": round(value, 3),
                         "weight": round(weights[name], 4), "contribution": round(weights[name] * value, 4),
                         "source": "fitted" if name in fitted else "rule"})
        total = bias + sum(r["contribution"] for r in rows)
        score = round(100.0 / (1.0 + math.exp(-total)), 1)
        ranked = sorted(rows, key=lambda r: abs(r["contribution"]), reverse=True)
        reasons = [("+ " if r["contribution"] > 0 else "− ") + r["label"] for r in ranked[:top] if r["contribution"]]
        return Score(score, method, rows, reasons, trained)
