export * from './segmenter.ts';
