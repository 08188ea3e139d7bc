/// One label of a token-classification model read as a tag of a tagging scheme: "B-PER" is the beginning
/// of a PER entity, "O" and labels without a known prefix ("PER") are plain labels.
struct Tag: Sendable, Equatable {
    /// The position a tag marks within its entity.
    enum Role: Sendable, Equatable {
        /// B-: first unit of an entity.
        case begin
        /// I- (and BMES's M-): a unit inside an entity, continuing the one before.
        case inside
        /// E- (BILOU's L-): last unit of an entity.
        case end
        /// S- (BILOU's U-): an entity of one unit.
        case single
        /// No prefix ("O", "PER"): consecutive equal plain labels form one span, as in IO tagging.
        case plain
    }

    let role: Role
    /// The entity type ("PER"), or the whole label for plain labels.
    let type: String

    /// Parses `label`; prefixes are one letter and "-" or "_" (B-PER, B_PER).
    init(_ label: String) {
        let scalars = Array(label.unicodeScalars)
        let roles: [Character: Role] = [
            "B": .begin, "I": .inside, "M": .inside, "E": .end, "L": .end, "S": .single, "U": .single,
        ]
        if scalars.count > 2, scalars[1] == "-" || scalars[1] == "_", let role = roles[Character(scalars[0])] {
            self.role = role
            type = String(String.UnicodeScalarView(scalars[2...]))
        } else {
            role = .plain
            type = label
        }
    }

    /// Whether a unit with this tag extends an open entity whose last unit had tag `previous`.
    func continues(_ previous: Tag) -> Bool {
        guard type == previous.type else { return false }
        switch (previous.role, role) {
        case (.end, _), (.single, _): return false  // the entity was closed
        case (.plain, .plain): return true
        case (.plain, _), (_, .plain): return false
        case (_, .inside), (_, .end): return true
        case (_, .begin), (_, .single): return false
        }
    }
}
