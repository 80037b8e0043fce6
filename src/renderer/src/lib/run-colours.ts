// The colours that tell compared runs apart: ten, each far from the others (Tableau 10), so up
// to ten runs never share a hue. The earlier eight had two oranges, so tanh and maxout looked alike.
export const RUN_COLOURS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'] as const

export const runColour = (i: number): string => RUN_COLOURS[i % RUN_COLOURS.length]
