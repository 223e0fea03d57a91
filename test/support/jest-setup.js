// Every jest worker loads this first (jest.config.js, setupFiles).
// @aws-sdk v3 warns once per process that its releases from January 2027 need Node 22. The lock
// file pins releases that run on Node 20, and the warning, repeated by every suite's worker,
// buried the lines that matter in CI's log. Set it to false to see it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
