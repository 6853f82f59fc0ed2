"""The in-process backend: a Hugging Face image-text-to-text model in this process.

For runs without a server (a laptop, a single GPU job). Concurrent requests
are gathered into batches for one `generate` call each, run in a worker
thread so the event loop keeps scheduling. There is no server-side schema
enforcement, so the schema goes in the prompt and replies take the same
parsing and repair path as every other backend. torch and transformers are
imported only when this backend is built (the `transformers` extra).
"""

from __future__ import annotations

import asyncio
import io
from dataclasses import dataclass
from typing import Any

from steerlang.annotate.vlm.answering import (
    TransportError,
    answer_with_repair,
    with_schema_instruction,
)
from steerlang.annotate.vlm.types import (
    ImagePart,
    Message,
    SamplingParams,
    VideoPart,
    VlmRequest,
    VlmResult,
)
from steerlang.errors import SteerlangError

VIDEO_REFUSAL = (
    "--vlm.backend=transformers sends images only; for --plan.visual_input=video_frames or "
    "video_clip serve the model (vLLM) and use --vlm.backend=openai"
)


@dataclass(eq=False)
class _Job:
    conversation: tuple[Message, ...]
    sampling: SamplingParams
    reply: asyncio.Future[str]


def chat_and_images(conversation: tuple[Message, ...]) -> tuple[list[dict[str, Any]], list[Any]]:
    """Processor chat messages (image placeholders in place) and the decoded images in order."""
    from PIL import Image

    chat: list[dict[str, Any]] = []
    images: list[Any] = []
    for message in conversation:
        content: list[dict[str, Any]] = []
        for part in message.parts:
            if isinstance(part, ImagePart):
                images.append(Image.open(io.BytesIO(part.jpeg)).convert("RGB"))
                content.append({"type": "image"})
            elif isinstance(part, VideoPart):
                raise SteerlangError(VIDEO_REFUSAL)
            else:
                content.append({"type": "text", "text": part.text})
        chat.append({"role": message.role, "content": content})
    return chat, images


class TransformersBackend:
    """`AutoModelForImageTextToText` + `AutoProcessor`, batched `generate`, CPU or CUDA."""

    def __init__(
        self,
        model_id: str,
        device: str = "auto",
        batch_size: int = 8,
        repair_retries: int = 1,
        trust_remote_code: bool = False,
    ) -> None:
        try:
            import torch
            from transformers import AutoModelForImageTextToText, AutoProcessor
        except ImportError as exc:
            raise SteerlangError(
                "--vlm.backend=transformers needs torch and transformers: "
                "pip install 'steerlang[transformers]'"
            ) from exc
        self.model_id = model_id
        self.batch_size = batch_size
        self.repair_retries = repair_retries
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
        try:
            trust = {"trust_remote_code": trust_remote_code}
            self.processor = AutoProcessor.from_pretrained(model_id, **trust)
            self.model = AutoModelForImageTextToText.from_pretrained(model_id, dtype=dtype, **trust)
        except OSError as exc:
            raise SteerlangError(f"cannot load --vlm.model_id={model_id!r}: {exc}") from exc
        self.model.to(device).eval()
        self.device = device
        # Batched generation appends after the prompt: pad prompts on the left.
        tokenizer = getattr(self.processor, "tokenizer", self.processor)
        tokenizer.padding_side = "left"
        self._tokenizer = tokenizer
        self._queue: asyncio.Queue[_Job] | None = None
        self._held: list[_Job] = []  # taken from the queue, waiting for a batch of their sampling
        self._worker: asyncio.Task[None] | None = None

    simulated = False

    async def complete(self, request: VlmRequest) -> VlmResult:
        async def generate(conversation: tuple[Message, ...]) -> str:
            return await self._submit(conversation, request.sampling)

        sent = with_schema_instruction(request.with_context_part(), request.answer_model)
        return await answer_with_repair(request, sent, generate, self.repair_retries)

    async def _submit(self, conversation: tuple[Message, ...], sampling: SamplingParams) -> str:
        if self._queue is None:
            self._queue = asyncio.Queue()
            self._worker = asyncio.create_task(self._run_batches(self._queue))
        job = _Job(conversation, sampling, asyncio.get_running_loop().create_future())
        await self._queue.put(job)
        return await job.reply

    async def _run_batches(self, queue: asyncio.Queue[_Job]) -> None:
        """Take what is waiting (up to batch_size, same sampling) and generate it in one call."""
        while True:
            if not self._held:
                self._held.append(await queue.get())
            while not queue.empty():
                self._held.append(queue.get_nowait())
            sampling = self._held[0].sampling
            batch = [j for j in self._held if j.sampling == sampling][: self.batch_size]
            self._held = [j for j in self._held if j not in batch]
            try:
                texts = await asyncio.to_thread(
                    self._generate, [j.conversation for j in batch], sampling
                )
            except Exception as exc:  # a failed generate fails its batch, not the run
                for job in batch:
                    if not job.reply.done():
                        job.reply.set_exception(TransportError(f"generate failed: {exc!r}"))
                continue
            for job, text in zip(batch, texts, strict=True):
                if not job.reply.done():
                    job.reply.set_result(text)

    def _generate(
        self, conversations: list[tuple[Message, ...]], sampling: SamplingParams
    ) -> list[str]:
        import torch

        prompts: list[str] = []
        images: list[list[Any]] = []
        for conversation in conversations:
            chat, sample_images = chat_and_images(conversation)
            prompts.append(
                self.processor.apply_chat_template(chat, add_generation_prompt=True, tokenize=False)
            )
            images.append(sample_images)
        kwargs: dict[str, Any] = {"text": prompts, "return_tensors": "pt", "padding": True}
        if any(images):
            kwargs["images"] = images
        inputs = self.processor(**kwargs).to(self.device)
        generate_kwargs: dict[str, Any] = {"max_new_tokens": sampling.max_new_tokens}
        if sampling.temperature > 0:
            generate_kwargs.update(do_sample=True, temperature=sampling.temperature)
            if sampling.top_p is not None:
                generate_kwargs["top_p"] = sampling.top_p
        else:
            generate_kwargs["do_sample"] = False
        if sampling.seed is not None:
            torch.manual_seed(sampling.seed)
        with torch.inference_mode():
            output = self.model.generate(**inputs, **generate_kwargs)
        new_tokens = output[:, inputs["input_ids"].shape[1] :]
        decoded: list[str] = self._tokenizer.batch_decode(new_tokens, skip_special_tokens=True)
        return decoded

    async def aclose(self) -> None:
        if self._worker is not None:
            self._worker.cancel()
            await asyncio.gather(self._worker, return_exceptions=True)
            self._worker = None
        if self._queue is not None:
            while not self._queue.empty():
                self._held.append(self._queue.get_nowait())
            self._queue = None
        for job in self._held:
            job.reply.cancel()
        self._held = []
