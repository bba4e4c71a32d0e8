import ServiceModel
import Synchronization

/// The objects of several followed collections as last seen, by collection and name, and
/// whether each collection has been listed yet.
final class ObjectMirror: Sendable {
    private struct State {
        var listed: Set<Int> = []
        var objects: [Int: [NamespacedName: KubernetesObject]] = [:]
    }

    private let collections: Int
    private let state = Mutex(State())

    init(collections: Int) {
        self.collections = collections
    }

    /// Takes in an update of collection `index`; whether the mirror now holds every
    /// collection's list (so the input is whole and worth handing on).
    func apply(_ changes: [WatchEvent.Change], from index: Int) -> Bool {
        state.withLock { state in
            state.listed.insert(index)
            for change in changes {
                switch change {
                case .set(let object):
                    state.objects[index, default: [:]][object.metadata.namespacedName] = object
                case .removed(_, let name):
                    state.objects[index]?[name] = nil
                }
            }
            return state.listed.count == collections
        }
    }

    /// Everything held, as manifests read from files would give it: each collection's
    /// objects in the order of namespace and name.
    var manifests: Manifests {
        let objects = state.withLock { state in
            state.objects.sorted { $0.key < $1.key }.flatMap { _, named in
                named.sorted { ($0.key.namespace, $0.key.name) < ($1.key.namespace, $1.key.name) }.map(\.value)
            }
        }
        var manifests = Manifests()
        for object in objects { manifests.append(object) }
        return manifests
    }
}
