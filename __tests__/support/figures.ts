/** Prints what a fault test counted, for the closing note and the README's failure table to quote. */
export function printFigures(label: string, figures: unknown): void {
  // eslint-disable-next-line no-console -- these lines are the suite's report
  console.log(`${label}: ${JSON.stringify(figures)}`);
}
