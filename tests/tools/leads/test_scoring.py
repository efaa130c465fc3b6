"""Scoring: rules while the history is thin, fitted on the store's won/lost deals once there is enough of
both; always features, weights and the top reasons, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlalchemy.orm import Session

from tools.crm.models import Account, Deal
from tools.leads.scoring import FEATURES, LeadScorer, features_of, fit_logistic

QUALIFIED = {"budget": 60_000, "authority": "decision maker", "need": "replace spreadsheets", "timeline": "Q1"}


def test_rules_explain_every_feature_and_rank_reasons():
    scorer = LeadScorer(lambda: [])
    hot = scorer.score(features_of(value=60_000, employees=2000, tier="enterprise", prior_won=1, activities=5,
                                   bant=QUALIFIED))
    cold = scorer.score(features_of(value=0, employees=0, tier="", prior_won=0, activities=0))
    assert hot.method == cold.method == "rules" and hot.trained_on is None
    assert hot.score > 80 > 20 > cold.score
    assert {f["name"] for f in hot.features} == set(FEATURES)
    assert all(f["source"] == "rule" and f["weight"] == FEATURES[f["name"]][0] for f in hot.features)
    assert hot.reasons[0] == "+ already a customer" and len(hot.reasons) == 3
    assert cold.reasons == []  # nothing moved it
    zh = scorer.score(features_of(value=0, employees=0, tier="", prior_won=0, activities=0, bant=QUALIFIED), "zh")
    assert "+ 对方是决策人" in zh.reasons


def test_logistic_fit_recovers_the_direction_of_a_signal():
    rng = np.random.default_rng(7)
    x = rng.random((200, 2))
    y = (x[:, 0] + 0.1 * rng.standard_normal(200) > 0.5).astype(float)
    w, _ = fit_logistic(x, y)
    assert w[0] > 2 and abs(w[1]) < 1


def _history(session: Session, n_won: int, n_lost: int) -> None:
    """Won deals at big, known accounts; lost deals at tiny new ones."""
    for i in range(n_won + n_lost):
        won = i < n_won
        acc = f"hist-acc-{i}"
        session.add(Account(id=acc, name=f"History {i}", region="NA", employees=5000 if won else 15,
                            tier="enterprise" if won else "smb"))
        session.add(Deal(id=f"hist-{i}", account_id=acc, name=f"deal {i}", amount=90_000 if won else 2_000,
                         stage="won" if won else "lost", closed_on=date(2025, 1, 1) + timedelta(days=i)))
    session.commit()


def test_fitted_on_the_stores_history_once_there_is_enough(db_container):
    c = db_container
    demo = c.crm.closed_deals()
    plain = features_of(value=1, employees=1, tier="", prior_won=0, activities=0)
    assert LeadScorer(lambda: demo[:10]).score(plain).method == "rules"  # too few deals
    assert LeadScorer(lambda: [d for d in demo if d["stage"] == "won"]).score(plain).method == "rules"  # one class
    scorer = LeadScorer(c.crm.closed_deals)
    won = sum(d["stage"] == "won" for d in demo)
    assert len(demo) >= 20 and scorer.score(plain).trained_on == {"won": won, "lost": len(demo) - won}
    with Session(c.engine) as s:
        _history(s, 12, 8)  # the cache notices the history grew
    fitted = scorer.score(features_of(value=90_000, employees=5000, tier="enterprise", prior_won=0, activities=0))
    small = scorer.score(features_of(value=2_000, employees=15, tier="smb", prior_won=0, activities=0))
    assert fitted.method == "fitted" and fitted.trained_on == {"won": won + 12, "lost": len(demo) - won + 8}
    by_name = {f["name"]: f for f in fitted.features}
    assert by_name["deal_size"]["source"] == "fitted" and by_name["deal_size"]["weight"] > 0
    assert by_name["budget_known"]["source"] == "rule"  # deals carry no BANT: rule weight kept
    assert by_name["engagement"]["source"] == "rule"  # never varies in the history: rule weight kept
    assert by_name["deal_size"]["weight"] != FEATURES["deal_size"][0]
    assert fitted.score > small.score + 20
