/**
 * Entry point for the built-in `simulator` provider.
 */
import { SimulatorChatModel, type SimulatorSettings } from './simulator-chat-model.ts';

export function createSimulator(settings: SimulatorSettings = {}): SimulatorChatModel {
  return new SimulatorChatModel(settings);
}
