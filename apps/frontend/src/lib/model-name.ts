/**
 * The name a person knows a model by: `hosted_vllm/meta-llama/Llama-3.1-8B`
 * is "Llama-3.1-8B". The LiteLLM provider prefix and the organisation mean
 * nothing to a user.
 */
export function friendlyModelName(model: string): string {
  return model.split('/').filter(Boolean).at(-1) ?? model;
}
