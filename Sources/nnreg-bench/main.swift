import Store
import Trainer
print(StoreInfo.migrationIDs, TrainerInfo.name)
