// The rules of the protos (buf.validate), enforced by protovalidate for every service.
export { brokenRules, warmRequestRules } from "./request-rules.js";
export { requestRulesInterceptor } from "./request-rules-interceptor.js";
export { blankText, patternTexts, ruleText } from "./rule-texts.js";
