/** One raw recommendation of the metric calculation, kept for the stabilisation windows. */
export interface Recommendation {
  readonly replicas: number;
  readonly at: number;
}

/** The inputs of stabilizeRecommendationWithBehaviors. */
export interface StabilizeInput {
  readonly history: readonly Recommendation[];
  readonly currentReplicas: number;
  /** The metric's (unstabilised) recommendation now. */
  readonly desiredReplicas: number;
  readonly scaleUpWindowMs: number;
  readonly scaleDownWindowMs: number;
  readonly now: number;
}

/**
 * Holds the count between the lowest recommendation of the scale-up window and the highest of the
 * scale-down window: a dip in load removes pods only once every recommendation of the last
 * scaleDown window agrees, and a spike adds pods only as far as every recommendation of the
 * scaleUp window agrees. Returns the stabilised count and the history with `desiredReplicas`
 * recorded (records older than both windows are dropped).
 */
export function stabilize(input: StabilizeInput): { replicas: number; history: Recommendation[] } {
  const upCutoff = input.now - input.scaleUpWindowMs;
  const downCutoff = input.now - input.scaleDownWindowMs;
  let upRecommendation = input.desiredReplicas;
  let downRecommendation = input.desiredReplicas;
  for (const record of input.history) {
    if (record.at > upCutoff) upRecommendation = Math.min(record.replicas, upRecommendation);
    if (record.at > downCutoff) downRecommendation = Math.max(record.replicas, downRecommendation);
  }
  let replicas = input.currentReplicas;
  if (replicas < upRecommendation) replicas = upRecommendation;
  if (replicas > downRecommendation) replicas = downRecommendation;
  const history = input.history.filter(
    (record) => !(record.at < upCutoff && record.at < downCutoff),
  );
  history.push({ replicas: input.desiredReplicas, at: input.now });
  return { replicas, history };
}
