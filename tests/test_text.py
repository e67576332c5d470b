from ctkit.text import fold, n_words, sentences, span


def test_fold_keeps_offsets_through_tatweel_and_double_spaces():
    text = "وَالمغـرب و Burkina  Faso"
    norm, index = fold(text)
    assert norm == "والمغرب و burkina faso"
    s = norm.index("burkina faso")
    a, b = span(index, s, s + len("burkina faso"))
    assert text[a:b] == "Burkina  Faso"


def test_sentences_do_not_split_on_abbreviations():
    text = "M. Bourita a reçu le ministre. The U.S. and Mr. Smith met.\nNouveau paragraphe"
    got = [text[s:e] for s, e in sentences(text)]
    assert got == ["M. Bourita a reçu le ministre.", "The U.S. and Mr. Smith met.",
                   "Nouveau paragraphe"]


def test_n_words_counts_arabic_and_latin_words():
    assert n_words("Le Maroc, والمغرب 2023") == 4


def test_words_are_shared_by_the_stages_of_one_text():
    from ctkit.text import lowered_words, words

    a = "İstanbul talks: Morocco and Spain, 2024."
    first = words(a)
    assert first == ["İstanbul", "talks", "Morocco", "and", "Spain", "2024"]
    assert words(a) is first  # the same body read again: no second scan
    b = "Rabat hosts Mali"
    assert words(b) == ["Rabat", "hosts", "Mali"] and words(a) == first
    # lower-casing word by word, even where it adds a combining mark ("İ" -> "i̇")
    assert lowered_words(a).split(" ") == [w.lower() for w in first]
    assert lowered_words(b) == "rabat hosts mali"


def test_long_texts_fold_like_str_translate():
    import random

    from ctkit.text import _table, _translate

    table = _table()
    rng = random.Random(7)
    # every code point of the table, both ends of it, past it, astral and lone surrogates
    alphabet = [chr(c) for c in range(len(table) + 40)] + ["😀", "\ud800", "\U0001F1F2", "é"]
    for n in (199, 200, 3000):
        for _ in range(20):
            s = "".join(rng.choice(alphabet) for _ in range(n))
            assert _translate(s) == s.translate(table)
    prose = "Le Ministre de l’Intérieur a reçu son homologue espagnol — À RABAT. " * 20
    assert _translate(prose) == prose.translate(table)


def test_clean_hands_the_body_words_to_words():
    from ctkit.clean import clean
    from ctkit.text import WORD, words

    page = ("MENU | World | Politics\nRabat hosts talks\n"
            "Morocco and Spain signed a security accord on Monday, officials said in Rabat.\n"
            "The two kingdoms agreed to share intelligence on terrorist cells operating in "
            "the Sahel region.\nLeave a comment\n")
    body = clean(page).body
    assert words.last is not None and words.last[0] is body  # handed over, not scanned
    assert words(body) == WORD.findall(body)


def test_is_arabic_counts_like_the_regex():
    import random
    import re

    from ctkit.text import is_arabic

    arabic = re.compile(r"[\u0620-\u064A\u0671-\u06D3]+")
    letter = re.compile(r"[^\W\d_]+")

    def by_regex(text: str, share: float) -> bool:
        a = sum(map(len, arabic.findall(text)))
        n = sum(map(len, letter.findall(text)))
        return bool(text) and bool(n) and a / n >= share if (a or share <= 0) else False

    rng = random.Random(5)
    alphabet = ["a", "é", " ", "1", "’", "\u061f", "\u0620", "\u064a", "\u064b", "\u0670",
                "\u0671", "\u06d3", "\u06d4", "\u06f1", "م", "ل", "😀", "\ud800", "_"]
    for n in (0, 5, 199, 200, 1500):
        for _ in range(60):
            text = "".join(rng.choice(alphabet) for _ in range(n))
            for share in (0.3, 0.0, 0.9):
                assert is_arabic(text, share=share) == by_regex(text, share), (text, share)
