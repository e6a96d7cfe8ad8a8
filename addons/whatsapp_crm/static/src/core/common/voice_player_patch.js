import { VoicePlayer } from "@mail/discuss/voice_message/common/voice_player";

import { patch } from "@web/core/utils/patch";

/** @type {import("@mail/discuss/voice_message/common/voice_player").VoicePlayer} */
const voicePlayerPatch = {
    /**
     * Discuss samples every tenth value of a pixel's share of the audio: below 10 values per
     * pixel its step rounds down to 0 and the loop never ends, freezing the tab. A customer's
     * file can be that short (a damaged or crafted voice note of a few milliseconds), so such
     * audio is drawn from every value instead.
     */
    getPeaks() {
        if (this.buffer.length >= 10 * this.width) {
            return super.getPeaks(...arguments);
        }
        const channel = this.buffer.getChannelData(0);
        const samplesPerPixel = this.buffer.length / this.width;
        const peaks = [];
        for (let pixel = 0; pixel < this.width; pixel++) {
            const start = Math.floor(pixel * samplesPerPixel);
            const end = Math.max(start + 1, Math.floor((pixel + 1) * samplesPerPixel));
            peaks.push(Math.max(...channel.subarray(start, Math.min(end, channel.length)), 0));
        }
        return peaks;
    },
};
patch(VoicePlayer.prototype, voicePlayerPatch);
