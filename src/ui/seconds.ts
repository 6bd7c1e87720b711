/** A duration as people read it: `840 ms`, `1.84 s`. */
export const seconds = (ms: number) => (ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`);
