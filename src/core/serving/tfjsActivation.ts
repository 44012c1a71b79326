/**
 * The hidden-layer activations of core/model/activation.ts as standard Keras layers. relu, tanh, elu and
 * linear are Keras activations of the same name. GELU is the tanh approximation in the trainer; Keras'
 * `gelu` is the exact (erf) one, and tfjs-layers 4.22 cannot load its own `gelu_new` (the approximation)
 * back: model.json stores "gelu_new", which loading camel-cases to the unknown "geluNew". So GELU is
 * composed of elementwise layers, the trainer's formula step by step:
 * 0.5·x·(1 + tanh(sqrt(2/π)·(x + 0.044715·x³))).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { GELU_CUBIC, type ActivationName } from '../model/activation';

/** The Keras activation of a Dense layer computing `a`, or `linear` when appendComposedActivation adds it as layers. */
export function kerasDenseActivation(a: ActivationName): 'relu' | 'tanh' | 'elu' | 'linear' {
  return a === 'gelu' ? 'linear' : a;
}

/** `h` through the activation layers that kerasDenseActivation left out (GELU's), named after the Dense layer `name`. */
export function appendComposedActivation(h: tfl.SymbolicTensor, a: ActivationName, name: string): tfl.SymbolicTensor {
  if (a !== 'gelu') return h;
  const apply = (layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]): tfl.SymbolicTensor => layer.apply(x) as tfl.SymbolicTensor;
  // c·x³ as ((c·x)·x)·x: tfjs-layers disposes a tensor too early when one layer takes it twice ([x, x, x]).
  const scaled = apply(tfl.layers.rescaling({ name: `${name}_gelu_scaled`, scale: GELU_CUBIC }), h);
  const square = apply(tfl.layers.multiply({ name: `${name}_gelu_square` }), [scaled, h]);
  const cube = apply(tfl.layers.multiply({ name: `${name}_gelu_cube` }), [square, h]);
  const inner = apply(tfl.layers.add({ name: `${name}_gelu_inner` }), [h, cube]);
  const tanh = apply(tfl.layers.activation({ name: `${name}_gelu_tanh`, activation: 'tanh' }), apply(tfl.layers.rescaling({ name: `${name}_gelu_inner_scaled`, scale: Math.sqrt(2 / Math.PI) }), inner));
  // 0.5·(1 + tanh) as one affine step, then times x.
  const gate = apply(tfl.layers.rescaling({ name: `${name}_gelu_gate`, scale: 0.5, offset: 0.5 }), tanh);
  return apply(tfl.layers.multiply({ name: `${name}_gelu` }), [h, gate]);
}
