import Checkpoint
import Tensor

// transformers BertEmbeddings / ElectraEmbeddings (absolute positions): word + position + token type, LayerNorm.
struct BertEmbeddings: Sendable {
    let wordEmbeddings: Tensor  // [vocab, embedding]
    let positionEmbeddings: Tensor  // [maxPosition, embedding]
    let tokenTypeEmbeddings: Tensor  // [typeVocab, embedding]
    let layerNorm: LayerNorm

    init(_ weights: WeightScope, config: ModelConfig) throws(CheckpointError) {
        let width = config.embeddingSize
        wordEmbeddings = try weights.tensor("word_embeddings.weight", shape: [config.vocabSize, width])
        positionEmbeddings = try weights.tensor(
            "position_embeddings.weight", shape: [config.maxPositionEmbeddings, width])
        tokenTypeEmbeddings = try weights.tensor(
            "token_type_embeddings.weight", shape: [config.typeVocabSize, width])
        layerNorm = try LayerNorm(weights.scope("LayerNorm"), width: width, eps: config.layerNormEps)
    }

    /// out[tokens, embedding] = LayerNorm(word[ids] + position[positions] + tokenType[types])
    func forward(_ out: Tensor, ids: [Int32], positions: [Int32], types: [Int32]) {
        embeddingSum(
            out, word: wordEmbeddings, ids: ids, position: positionEmbeddings, positions: positions,
            type: tokenTypeEmbeddings, types: types)
        layerNorm.forward(out, out)
    }
}
