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
