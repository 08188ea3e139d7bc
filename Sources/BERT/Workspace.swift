import Checkpoint
import Tensor

/// Scratch memory for forward passes, reused from call to call.
///
/// Buffers grow to the largest batch seen and are then reused, so a forward pass of a familiar size
/// allocates nothing in its layers. A workspace serves one forward pass at a time: give each concurrent
/// caller its own.
public final class Workspace {
    private var capacity = (tokens: 0, longest: 0)
    private var dimensions = (embedding: 0, hidden: 0, intermediate: 0, heads: 0)
    private(set) var embedded = TensorStorage(zeroed: 0)  // [tokens, embedding] (ELECTRA projection input)
    private(set) var hidden = TensorStorage(zeroed: 0)  // [tokens, hidden]
    private(set) var qkv = TensorStorage(zeroed: 0)  // [tokens, 3·hidden]
    private(set) var context = TensorStorage(zeroed: 0)  // [tokens, hidden]
    private(set) var projected = TensorStorage(zeroed: 0)  // [tokens, hidden]
    private(set) var intermediate = TensorStorage(zeroed: 0)  // [tokens, intermediate]
    private(set) var scores = TensorStorage(zeroed: 0)  // threads x attention scratch (see scoresCount)
    /// Quantized activations for models held in 8 bits.
    let quantization = QuantizationScratch()
    /// Threads each forward pass through this workspace uses for GEMMs and attention heads.
    public let threads: Int

    /// An empty workspace (it sizes itself on first use) for forward passes on `threads` threads.
    public init(threads: Int = 1) {
        self.threads = max(1, threads)
    }

    /// Floats of attention scratch for sequences of up to `longest` tokens, for every thread.
    func scoresCount(longest: Int, config: ModelConfig) -> Int {
        threads * attentionScratchCount(longest: longest, headSize: config.hiddenSize / config.numAttentionHeads)
    }

    /// Makes room for `tokens` packed tokens whose longest sequence has `longest` tokens.
    func reserve(tokens: Int, longest: Int, config: ModelConfig) {
        let dims = (config.embeddingSize, config.hiddenSize, config.intermediateSize, config.numAttentionHeads)
        let resized = dims != dimensions
        if resized || tokens > capacity.tokens {
            // Grow with headroom so slowly increasing batches do not reallocate every time.
            let rows = max(tokens, capacity.tokens + capacity.tokens / 2)
            embedded = TensorStorage(zeroed: rows * config.embeddingSize)
            hidden = TensorStorage(zeroed: rows * config.hiddenSize)
            qkv = TensorStorage(zeroed: rows * 3 * config.hiddenSize)
            context = TensorStorage(zeroed: rows * config.hiddenSize)
            projected = TensorStorage(zeroed: rows * config.hiddenSize)
            intermediate = TensorStorage(zeroed: rows * config.intermediateSize)
            capacity.tokens = rows
            dimensions = dims
        }
        if resized || longest > capacity.longest {
            scores = TensorStorage(zeroed: scoresCount(longest: longest, config: config))
            capacity.longest = longest
        }
    }
}
