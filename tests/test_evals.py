"""Scorer arithmetic by hand, gold-file validation, and the eval CLI's gate, baseline and cache."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from summariser.cli import app
from summariser.errors import InputError
from summariser.evals.gold import GoldEvent, GoldQuote, GoldStance, load_gold
from summariser.evals.run import Item, build_report, load_items
from summariser.evals.scoring import (
    STRICT_THRESHOLD,
    Counts,
    dice,
    overlap,
    same_entity,
    score_events,
    score_quotes,
    score_stances,
    similarity,
)
from summariser.schemas import Event, Meta, Quote, Stance, Summary
from summariser.text.spans import content_words
from tests.server import Reply, ScriptedServer

ROOT = Path(__file__).resolve().parent.parent


def q(text: str, speaker: str = "Tom Askew", kind: str = "direct") -> Quote:
    return Quote(text=text, speaker=speaker, kind=kind, cue=None, start=0, end=len(text),
                 spans=[(0, len(text))])  # fmt: skip


def gq(text: str, speaker: str = "Tom Askew", kind: str = "direct") -> GoldQuote:
    return GoldQuote(text=text, speaker=speaker, kind=kind)


def prf(c: Counts) -> tuple[float, float, float]:
    d = c.prf()
    return round(d["precision"], 4), round(d["recall"], 4), round(d["f1"], 4)


def test_overlap_is_longest_shared_run_over_gold_length():
    assert overlap("We will win", "We will win big") == pytest.approx(11 / 15)
    assert overlap("“We will WIN big.”", "we will win big.") == 1.0  # marks and case normalised
    assert overlap("", "anything") == 0.0


def test_partial_overlaps_at_both_thresholds():
    golds = [gq("one two three four five"), gq("alpha beta gamma delta"), gq("entirely missed")]
    preds = [q("one two three four five"), q("alpha beta"), q("something else")]
    # "alpha beta" covers 10 of 22 gold characters: 0.4545, matched at 0.3, not at 0.8
    assert prf(score_quotes(preds, golds, {}, 0.3)) == (0.6667, 0.6667, 0.6667)
    assert prf(score_quotes(preds, golds, {}, 0.8)) == (0.3333, 0.3333, 0.3333)


def test_duplicates_count_once_and_empty_predictions_score_zero():
    c = score_quotes([q("same words here"), q("same words here")], [gq("same words here")], {}, 0.3)
    assert (c.tp, c.fp, c.fn) == (1, 1, 0) and prf(c) == (0.5, 1.0, 0.6667)
    c = score_quotes([], [gq("a b c"), gq("d e f")], {}, 0.3)
    assert (c.tp, c.fp, c.fn) == (0, 0, 2) and prf(c) == (0.0, 0.0, 0.0)
    assert prf(score_quotes([], [], {}, 0.3)) == (1.0, 1.0, 1.0)


def test_speaker_accuracy_is_alias_aware_and_keeps_namesakes_apart():
    aliases = {
        "Grace Okafor": ["Ms Okafor"],
        "Daniel Okafor": ["Mr Okafor"],
        "Tom Askew": ["Mr Askew"],
    }
    golds = [gq("first quote here", "Tom Askew"), gq("second quote here", "Daniel Okafor"),
             gq("third quote here", "he")]  # fmt: skip
    preds = [q("first quote here", "Mr Askew"), q("second quote here", "Ms Okafor"),
             q("third quote here", "Anyone")]  # fmt: skip
    c = score_quotes(preds, golds, aliases, 0.3)
    assert c.tp == 3
    assert c.accuracy() == {"speaker": 0.5, "kind": 1.0}  # pronoun gold speaker is not judged
    assert same_entity("Trump", "Donald Trump", {}) and not same_entity("Trump", "Donald Tusk", {})
    assert same_entity("Joseph R. Biden Jr.", "Mr. Biden", {})  # a suffix is not the surname


def test_a_gold_name_that_gives_a_title_or_body_first_names_the_person_after_it():
    # MPQA-style holders: "Body (ABBR) Title Name", "Title of Body, Name"
    assert same_entity("Lena Brak", "Port Authority of Tarn (PAT) Director Lena Brak", {})
    assert same_entity("Lena Brak", "Minister of Ports and Harbours, Lena Brak", {})
    assert same_entity("Lena Brak", "Lena Brak, the harbour minister", {})  # as before
    # a description after the comma names the person before it, never the body it mentions
    assert not same_entity("Tarn Council", "Lena Brak, head of the Tarn Council", {})
    assert not same_entity("Ola Brak", "Minister of Ports, Lena Brak", {})


def test_events_match_on_actor_and_action_and_judge_when_where():
    golds = [
        GoldEvent(actor="Quillon", action="will cut", target="420 jobs", when="Monday"),
        GoldEvent(actor="Prospect", action="will fight", target="compulsory redundancies"),
    ]
    ev = dict(evidence="x", start=0, end=1, where=None)
    preds = [Event(actor="Quillon", action="cut", target="420 jobs", when="on Monday", **ev),
             Event(actor="Peel Hunt", action="will fight", target="compulsory redundancies",
                   when=None, **ev)]  # fmt: skip
    c = score_events(preds, golds, {})
    assert (c.tp, c.fp, c.fn) == (1, 1, 1)  # wrong actor never matches
    assert c.accuracy() == {"when": 1.0, "where": 1.0}


def test_stances_match_on_holder_and_target_and_judge_polarity():
    golds = [
        GoldStance(holder="Prospect", target="job cuts", polarity="oppose"),
        GoldStance(holder="Peel Hunt", target="the cuts", polarity="support"),
    ]
    st = dict(evidence="x", start=0, end=1)
    preds = [
        Stance(holder="Prospect", target="the job cuts", polarity="oppose", **st),
        Stance(holder="Peel Hunt", target="cuts", polarity="oppose", **st),
    ]
    c = score_stances(preds, golds, {})
    assert c.tp == 2 and c.accuracy() == {"polarity": 0.5}


def test_dice_of_content_words_is_length_aware():
    # stems: "repair", "harbour", "bridg" against the same three: identical
    assert dice("repairing the harbour bridge", "the harbour bridge repairs") == 1.0
    # a whole sentence that holds the gold phrase: 11 content words, 2 shared:
    # 2*2 / (11 + 2) = 0.308, below the bar
    long = (
        "the council said on Tuesday that the old harbour bridge would finally reopen to "
        "traffic next spring"
    )
    assert round(dice(long, "harbour bridge"), 3) == 0.308 < STRICT_THRESHOLD
    assert similarity(long, "harbour bridge") == 1.0  # token-set: full marks for a superset
    assert dice(None, None) == 1.0 and dice("the", None) == 0.0 and dice("bridge", "") == 0.0


def test_content_words_fold_case_accents_and_inflections():
    assert content_words("Voted to spend £14m repairing the Bridges") == {
        "vote", "spend", "14m", "repair", "bridg",
    }  # fmt: skip
    assert content_words("Zoë’s café") == content_words("Zoe's cafe") == {"zoe", "cafe"}


def test_a_target_copying_a_sentence_matches_only_under_the_loose_score():
    golds = [GoldStance(holder="Tom Askew", target="the bridge repair", polarity="oppose")]
    st = dict(evidence="x", start=0, end=1)
    copy = (  # 9 content words, 2 shared with the gold's: 2*2 / (9 + 2) = 0.364
        "We are choosing a postcard over our children, and spending millions on the bridge "
        "repair is a disgrace to this town"
    )
    preds = [Stance(holder="Tom Askew", target=copy, polarity="oppose", **st)]
    assert score_stances(preds, golds, {}).tp == 0
    assert score_stances(preds, golds, {}, strict=False).tp == 1


def test_an_event_target_naming_the_golds_entity_counts_as_its_words():
    golds = [GoldEvent(actor="Keir Starmer", action="met with", target="Donald Trump")]
    ev = dict(evidence="x", start=0, end=1, when=None, where=None)
    preds = [Event(actor="Sir Keir", action="met", target="Mr Trump", **ev)]
    aliases = {"Keir Starmer": ["Sir Keir"], "Donald Trump": ["Mr Trump"]}
    # action "met" vs "met with": the gold's target words stand in for "Mr Trump"
    assert score_events(preds, golds, aliases).tp == 1


def test_report_micro_and_macro_and_failed_article():
    def item(name, texts):
        from summariser.evals.gold import GoldFile

        return Item(
            name, "t", GoldFile.model_validate({"article": "t", "quotes": [gq(t) for t in texts]})
        )

    meta = Meta(model="fake", prompt_version="p")
    a = (
        item("a", ["one two three", "four five six"]),
        Summary(quotes=[q("one two three"), q("four five six")], meta=meta),
        None,
        1.0,
    )
    b = (item("b", ["seven eight nine"]), Summary(quotes=[q("zzz qqq")], meta=meta), None, 3.0)
    c = (item("c", ["ten eleven"]), None, "BackendError: boom", 0.1)  # fmt: skip
    r = build_report("fake", "x", ["quotes"], [a, b, c])
    assert r.counts["quotes@0.3"] == {"tp": 2, "fp": 1, "fn": 2}
    assert r.metrics["precision.quotes"] == pytest.approx(0.6667, abs=1e-4)
    assert r.metrics["recall.quotes"] == 0.5
    assert r.metrics["f1.quotes"] == pytest.approx(0.5714, abs=1e-4)
    assert r.metrics["macro_f1.quotes"] == pytest.approx(1 / 3, abs=1e-4)
    assert r.failed == 1 and r.per_article[2].error == "BackendError: boom"
    assert r.metrics["latency_p50"] == 1.0 and r.metrics["schema_valid_rate"] == pytest.approx(
        2 / 3, abs=1e-4
    )


def test_all_gold_files_load_and_their_quotes_are_in_the_articles():
    from summariser.text.spans import locate

    def in_order(words: list[str], text: str) -> bool:
        """Every word in `text`, in order, within a short stretch (a quote split by its
        attribution: "The company, he said, expects ...")."""
        words = [w.strip(".,’'") for w in words]
        start = text.find(words[0])
        while start >= 0:
            at = start
            for w in words:
                at = text.find(w, at)
                if at < 0:
                    return False
                at += len(w)
            if at - start <= 2 * len(" ".join(words)) + 80:
                return True
            start = text.find(words[0], start + 1)
        return False

    items = load_items(ROOT / "evals" / "gold")
    assert len(items) >= 9
    for it in items:
        for gold_quote in it.gold.quotes:
            assert locate(gold_quote.text, it.text) or in_order(gold_quote.text.split(), it.text), (
                it.id,
                gold_quote.text,
            )


def test_speaker_judged_only_when_gold_names_someone():
    aliases = {"the trustees": ["its trustees"]}
    golds = [gq("alpha beta gamma", "(none)"), gq("delta epsilon zeta", "officials"),
             gq("eta theta iota", "the trustees"), gq("kappa lambda mu", "Mr. Grant"),
             gq("nu xi omicron", "She")]  # fmt: skip
    preds = [q("alpha beta gamma", "Ana Lopez"), q("delta epsilon zeta", "Ana Lopez"),
             q("eta theta iota", "its trustees"), q("kappa lambda mu", "Karen Liu"),
             q("nu xi omicron", "Ana Lopez")]  # fmt: skip
    c = score_quotes(preds, golds, aliases, 0.3)
    # (none), an unnamed descriptor and a pronoun are not judged; the alias-table descriptor
    # and the name are: one right, one wrong
    assert c.judged["speaker"] == 2 and c.correct["speaker"] == 1
    assert c.notes == [("wrong speaker", "Mr. Grant: “kappa lambda mu” (direct)",
                        "Karen Liu: “kappa lambda mu” (direct)")]  # fmt: skip


def test_report_lists_misses_and_extras_side_by_side_with_code_version_and_command():
    from summariser.evals import report as eval_report
    from summariser.evals.gold import GoldFile
    from summariser.evals.run import article_failures

    gold = GoldFile.model_validate(
        {"article": "t", "quotes": [gq("found words here").model_dump(),
                                    gq("never found at all", "Ana Lopez").model_dump()]}
    )  # fmt: skip
    meta = Meta(model="fake", prompt_version="p")
    found = Summary(quotes=[q("found words here", "Ana Lopez"), q("made up quote")], meta=meta)
    r = build_report("fake", "x", ["quotes"], [(Item("a", "t", gold), found, None, 1.0)],
                     command="summarise eval gold/")  # fmt: skip
    assert r.command == "summarise eval gold/" and r.code_version
    assert [(p.status, p.gold, p.predicted) for p in r.per_article[0].problems] == [
        ("wrong speaker", "Tom Askew: “found words here” (direct)",
         "Ana Lopez: “found words here” (direct)"),
        ("missed", "Ana Lopez: “never found at all” (direct)", None),
        ("extra", None, "Tom Askew: “made up quote” (direct)"),
    ]  # fmt: skip
    md = eval_report.markdown(r)
    assert "Command: `summarise eval gold/`" in md and f"Code: {r.code_version}" in md
    assert "| quotes | missed | Ana Lopez: “never found at all” (direct) |  |" in md
    assert article_failures(r) == []
    failed = build_report("fake", "x", ["quotes"], [(Item("a", "t", gold), None, "boom", 1.0)])
    assert failed.failed == 1 and article_failures(failed) == ["1 of 1 articles failed (a)"]


def test_duplicate_gold_ids_are_an_error(tmp_path):
    for name in ("one.json", "two.json"):
        (tmp_path / name).write_text(json.dumps({"id": "same", "article": "x"}))
    with pytest.raises(InputError, match=r"two.json: id 'same' is also the id of .*one.json"):
        load_items(tmp_path)


def test_article_path_must_stay_inside_the_gold_folder(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the model")
    gold = tmp_path / "gold"
    gold.mkdir()
    (gold / "inside.txt").write_text("An article.")
    (gold / "a.json").write_text(json.dumps({"article_path": "inside.txt"}))
    (gold / "b.json").write_text(json.dumps({"article_path": "../secret.txt"}))
    with pytest.raises(InputError, match="outside the gold folder.*--allow-outside"):
        load_items(gold)
    (gold / "b.json").write_text(json.dumps({"article_path": str(secret)}))  # absolute
    with pytest.raises(InputError, match="outside the gold folder"):
        load_items(gold)
    assert [i.text for i in load_items(gold, allow_outside=True)] == [
        "An article.",
        "not for the model",
    ]
    assert load_items(gold / "a.json")[0].text == "An article."


def test_malformed_gold_names_file_and_field(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps({"article": "x", "quotes": [{"text": "a", "speaker": "b", "kind": "loud"}]})
    )
    with pytest.raises(InputError, match=r"bad.json: field quotes.0.kind"):
        load_gold(bad)
    bad.write_text("{nope")
    with pytest.raises(InputError, match="not JSON"):
        load_gold(bad)
    bad.write_text(json.dumps({"quotes": []}))
    with pytest.raises(InputError, match="exactly one of"):
        load_gold(bad)


# --- the eval command, against the scripted model server ------------------------------------

# "he" could be either man: the one question the model is asked (options: 1 Sam Cole, 2 Tom Reyes)
ARTICLE = "Tom Reyes and Sam Cole met at the depot on Monday.\n\n“We will win,” he said."


@pytest.fixture
def gold_dir(tmp_path):
    d = tmp_path / "gold"
    d.mkdir()
    (d / "one.json").write_text(json.dumps({
        "article": ARTICLE, "aliases": {"Sam Cole": ["Mr Cole"]},
        "quotes": [{"text": "We will win", "speaker": "Sam Cole"}],
    }))  # fmt: skip
    return d


def run_eval(srv, gold_dir, *extra):
    args = ["eval", str(gold_dir), "-m", "openai:m", "--base-url", srv.url,
            "--api-key", "sk-eval-test-key",
            "--steps", "quotes", *extra]  # fmt: skip
    return CliRunner().invoke(app, args)


def test_eval_writes_reports_and_gate_passes(gold_dir, tmp_path):
    out = tmp_path / "run0"
    with ScriptedServer([Reply('{"Q1": 1}')]) as srv:
        r = run_eval(srv, gold_dir, "--report", str(out), "--min", "f1.quotes=0.9", "--no-cache")
    assert r.exit_code == 0, r.output
    report = json.loads((out / "report.json").read_text())
    assert report["metrics"]["f1.quotes"] == 1.0 and report["metrics"]["speaker_acc.quotes"] == 1.0
    lines = (out / "predictions.jsonl").read_text().splitlines()
    assert [json.loads(x)["id"] for x in lines] == ["one"]
    assert "# Eval report" in (out / "report.md").read_text()
    assert "PASS" in r.stdout


def test_eval_runs_its_articles_through_the_batch_runner(gold_dir, tmp_path):
    """One way to run many articles: an HTTP model's eval goes through batch.run (asyncio),
    and predictions.jsonl holds the batch's lines."""
    with ScriptedServer([Reply('{"Q1": 1}')]) as srv:
        r = run_eval(srv, gold_dir, "--report", str(tmp_path / "run"), "--no-cache")
    assert r.exit_code == 0, r.output
    sent = [{k.lower(): v for k, v in h.items()}.get("x-stainless-async") for h in srv.headers]
    assert sent and set(sent) == {"async:asyncio"}
    line = json.loads((tmp_path / "run" / "predictions.jsonl").read_text())
    assert line["id"] == "one" and line["summary"]["quotes"][0]["speaker"]


def test_gate_fails_below_the_bar_and_baseline_flags_regression(gold_dir, tmp_path):
    with ScriptedServer([Reply('{"Q1": 1}')]) as srv:
        run_eval(srv, gold_dir, "--report", str(tmp_path / "run0"), "--no-cache")
    with ScriptedServer([Reply('{"Q1": 0}')]) as srv:
        r = run_eval(srv, gold_dir, "--report", str(tmp_path / "run1"), "--no-cache",
                     "--baseline", str(tmp_path / "run0" / "report.json"),
                     "--min", "f1.quotes=0.5")  # fmt: skip
    assert r.exit_code == 1
    assert "FAIL" in r.stdout and "f1.quotes = 0.0 is below 0.5" in r.stdout
    md = (tmp_path / "run1" / "report.md").read_text()
    assert "| f1.quotes | 1.000 | 0.000 | -1.000 | **worse** |" in md


def test_unknown_gate_metric_is_an_error(gold_dir):
    with ScriptedServer([Reply('{"Q1": 1}')]) as srv:
        r = run_eval(srv, gold_dir, "--min", "f1.quotez=0.5", "--no-cache")
    assert r.exit_code == 1 and "unknown metric" in r.stderr


def test_second_eval_run_makes_no_model_calls(gold_dir):
    with ScriptedServer([Reply('{"Q1": 1}')]) as srv:
        assert run_eval(srv, gold_dir).exit_code == 0
        calls = len(srv.requests)
        r = run_eval(srv, gold_dir)
        assert r.exit_code == 0 and len(srv.requests) == calls
    assert calls == 1  # the speaker of the one quotation


def polnear_gold(folder, text: str, ann: str):
    """The gold quotes the PolNeAR adapter reads from one article and its brat .ann file."""
    from summariser.evals import polnear

    (folder / "text").mkdir()
    (folder / "attributions").mkdir()
    (folder / "text" / "a1.txt").write_text(text)
    (folder / "attributions" / "a1_x.ann").write_text(ann)
    (item,) = polnear.load(folder)
    return item.gold.quotes


def test_polnear_adapter_reads_brat(tmp_path):
    text = 'Smith said "we are ready" today. Officials said talks went well.'
    ann = ("T1\tSource 0 5\tSmith\nT2\tCue 6 10\tsaid\nT3\tContent 11 25\t\"we are ready\"\n"
           "E1\tAttribution:T2 Content:T3 Cue:T2 Source:T1\n"
           "T4\tSource 33 42\tOfficials\nT5\tContent 48 63\ttalks went well\n"
           "E2\tAttribution:T2 Content:T5 Source:T4\n")  # fmt: skip
    assert [(g.text, g.speaker, g.kind) for g in polnear_gold(tmp_path, text, ann)] == [
        ("we are ready", "Smith", "direct"),
        ("talks went well", "Officials", "indirect"),
    ]


def test_polnear_split_quote_loses_the_marks_of_each_piece(tmp_path):
    text = '"We are ready," Jones said, "and we will win." Then he left.'
    ann = ("T1\tSource 16 21\tJones\nT2\tCue 22 26\tsaid\n"
           "T3\tContent 0 15;28 46\t\"We are ready,\" \"and we will win.\"\n"
           "E1\tAttribution:T2 Content:T3 Cue:T2 Source:T1\n")  # fmt: skip
    assert [(g.text, g.kind) for g in polnear_gold(tmp_path, text, ann)] == [
        ("We are ready and we will win.", "direct")
    ]


@pytest.mark.parametrize("t", [0.3, 0.8])
def test_the_indexed_overlap_matrix_equals_the_full_one_wherever_a_pair_can_match(t):
    import random

    from summariser.evals.scoring import overlaps

    rng = random.Random(7)
    words = "the council harbour bridge vote plan no yes “we” will sail again".split()

    def text() -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(1, 25)))

    preds, golds = [text() for _ in range(60)], [text() for _ in range(60)] + ["No.", "we"]
    fast = overlaps(preds, golds, t)
    for i, p in enumerate(preds):
        for j, g in enumerate(golds):
            full = overlap(p, g)
            assert fast[i, j] == (full if full >= t else fast[i, j])  # exact where it can match
            assert fast[i, j] in (0.0, full)  # never a score the pair does not have


def test_a_name_outside_the_alias_table_matches_the_one_entity_it_fits():
    aliases = {"Two Liberal Democrat councillors": [], "Grace Okafor": [], "Daniel Okafor": []}
    assert same_entity("Liberal Democrat councillors", "Two Liberal Democrat councillors", aliases)
    assert same_entity("Grace Okafor", "Grace Okafor", aliases)
    assert not same_entity("Okafor", "Grace Okafor", aliases)  # fits two entities: ambiguous
    assert not same_entity("Conservative councillors", "Two Liberal Democrat councillors", aliases)
