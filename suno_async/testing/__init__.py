"""Test your app without a key or credits: a simulator of the service, and clocks.

:class:`FakeSunoServer` serves the Suno API family on 127.0.0.1 with
scripted :class:`Timeline`\\ s and injected :class:`Fault`\\ s, and counts
violations of the per-task rate limit. Besides music it serves the other
task families (lyrics, WAV, vocal removal, MIDI, video, cover image), the
synchronous calls and the file-upload service. The pytest plugin (installed with
the package) offers it as the ``fake_suno`` and ``suno_client`` fixtures.
"""

from suno_async.testing._callback_faults import CallbackFault, LoggedCallback
from suno_async.testing._clock import ScaledClock, VirtualClock
from suno_async.testing._faults import Fault
from suno_async.testing._log import LoggedRequest
from suno_async.testing._server import FakeSunoServer
from suno_async.testing._task import SimulatedTask
from suno_async.testing._timeline import Step, Timeline, TrackSpec
from suno_async.testing._uploads import ReceivedUpload

__all__ = [
    "CallbackFault",
    "FakeSunoServer",
    "Fault",
    "LoggedCallback",
    "LoggedRequest",
    "ScaledClock",
    "SimulatedTask",
    "Step",
    "Timeline",
    "TrackSpec",
    "ReceivedUpload",
    "VirtualClock",
]
