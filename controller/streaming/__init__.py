"""Live streaming of public hearings (庭审直播) under the rules: who may start it, when it must stop, the cut."""
