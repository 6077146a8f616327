/**
 * The simulator's bundled prose: short excerpts of public-domain English texts (all first
 * published before 1870 and in the public domain; the wording follows the Project Gutenberg
 * editions, lightly abridged where dialogue would leave quotation marks unbalanced when the
 * simulator jumps between sentences). Readable text makes demos and redaction tests honest.
 */

export interface CorpusPassage {
  work: string;
  author: string;
  year: number;
  text: string;
}

export const SIMULATOR_CORPUS: readonly CorpusPassage[] = [
  {
    work: 'Pride and Prejudice, chapter 1',
    author: 'Jane Austen',
    year: 1813,
    text: `It is a truth universally acknowledged, that a single man in possession of a good
fortune, must be in want of a wife. However little known the feelings or views of such a man
may be on his first entering a neighbourhood, this truth is so well fixed in the minds of the
surrounding families, that he is considered the rightful property of some one or other of
their daughters.`,
  },
  {
    work: 'Moby-Dick; or, The Whale, chapter 1 (Loomings)',
    author: 'Herman Melville',
    year: 1851,
    text: `Call me Ishmael. Some years ago, never mind how long precisely, having little or no
money in my purse, and nothing particular to interest me on shore, I thought I would sail about
a little and see the watery part of the world. It is a way I have of driving off the spleen and
regulating the circulation. Whenever I find myself growing grim about the mouth; whenever it is
a damp, drizzly November in my soul; whenever I find myself involuntarily pausing before coffin
warehouses, and bringing up the rear of every funeral I meet, then I account it high time to get
to sea as soon as I can. This is my substitute for pistol and ball. With a philosophical
flourish Cato throws himself upon his sword; I quietly take to the ship. There is nothing
surprising in this. If they but knew it, almost all men in their degree, some time or other,
cherish very nearly the same feelings towards the ocean with me.`,
  },
  {
    work: "Alice's Adventures in Wonderland, chapter 1",
    author: 'Lewis Carroll',
    year: 1865,
    text: `Alice was beginning to get very tired of sitting by her sister on the bank, and of
having nothing to do: once or twice she had peeped into the book her sister was reading, but it
had no pictures or conversations in it. So she was considering in her own mind (as well as she
could, for the hot day made her feel very sleepy and stupid), whether the pleasure of making a
daisy-chain would be worth the trouble of getting up and picking the daisies, when suddenly a
White Rabbit with pink eyes ran close by her. There was nothing so very remarkable in that. But
when the Rabbit actually took a watch out of its waistcoat-pocket, and looked at it, and then
hurried on, Alice started to her feet, for it flashed across her mind that she had never before
seen a rabbit with either a waistcoat-pocket, or a watch to take out of it, and burning with
curiosity, she ran across the field after it, and fortunately was just in time to see it pop
down a large rabbit-hole under the hedge.`,
  },
  {
    work: 'A Tale of Two Cities, book 1, chapter 1',
    author: 'Charles Dickens',
    year: 1859,
    text: `It was the best of times, it was the worst of times, it was the age of wisdom, it was
the age of foolishness, it was the epoch of belief, it was the epoch of incredulity, it was the
season of Light, it was the season of Darkness, it was the spring of hope, it was the winter of
despair, we had everything before us, we had nothing before us, we were all going direct to
Heaven, we were all going direct the other way. In short, the period was so far like the
present period, that some of its noisiest authorities insisted on its being received, for good
or for evil, in the superlative degree of comparison only.`,
  },
  {
    work: 'Walden, chapter 2 (Where I Lived, and What I Lived For)',
    author: 'Henry David Thoreau',
    year: 1854,
    text: `I went to the woods because I wished to live deliberately, to front only the essential
facts of life, and see if I could not learn what it had to teach, and not, when I came to die,
discover that I had not lived. I did not wish to live what was not life, living is so dear; nor
did I wish to practise resignation, unless it was quite necessary. I wanted to live deep and
suck out all the marrow of life, to cut a broad swath and shave close, to drive life into a
corner, and reduce it to its lowest terms. Our life is frittered away by detail. An honest man
has hardly need to count more than his ten fingers, or in extreme cases he may add his ten toes,
and lump the rest. Simplicity, simplicity, simplicity! I say, let your affairs be as two or
three, and not a hundred or a thousand; instead of a million count half a dozen, and keep your
accounts on your thumb-nail.`,
  },
  {
    work: 'On the Origin of Species, chapter 14 (Recapitulation and Conclusion)',
    author: 'Charles Darwin',
    year: 1859,
    text: `It is interesting to contemplate an entangled bank, clothed with many plants of many
kinds, with birds singing on the bushes, with various insects flitting about, and with worms
crawling through the damp earth, and to reflect that these elaborately constructed forms, so
different from each other, and dependent on each other in so complex a manner, have all been
produced by laws acting around us. There is grandeur in this view of life, with its several
powers, having been originally breathed into a few forms or into one; and that, whilst this
planet has gone cycling on according to the fixed law of gravity, from so simple a beginning
endless forms most beautiful and most wonderful have been, and are being, evolved.`,
  },
];
