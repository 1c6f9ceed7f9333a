/** mulberry32: a seeded generator, so a failing run can be replayed. */
declare function seededRandom(seed: number): () => number;
export = seededRandom;
