// How the demo names and orders the activations.
import { ELEMENTWISE, type ElementwiseName } from '../src/activations/table.js';

/** The elementwise activations, in table order. Softmax, a function of a whole row, has its own panel. */
export const ELEMENTWISE_NAMES = Object.keys(ELEMENTWISE) as ElementwiseName[];

export const DISPLAY_NAMES: Readonly<Record<ElementwiseName, string>> = {
  linear: 'Linear',
  elu: 'ELU',
  relu: 'ReLU',
  leakyRelu: 'LeakyReLU',
  sigmoid: 'Sigmoid',
  tanh: 'Tanh',
};
